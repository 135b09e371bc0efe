# expect: line 5: on realistic states (rollouts with random, saturated and policy actions, falls, feet in the air) the total is infinite on
def reward(s, a, prev_a):
    barrier = jnp.sum(jnp.log(1.0 - jnp.abs(a)))
    forward = s.base_lin_vel[0]
    return forward + 0.01 * barrier, {"forward": forward, "barrier": barrier}
