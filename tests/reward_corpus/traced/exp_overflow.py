# expect: on realistic states (rollouts with random, saturated and policy actions, falls, feet in the air) the total is infinite on 
def reward(s, a, prev_a):
    x = jnp.sum(jnp.exp(jnp.abs(s.joint_vel) * 1000.0))
    return x, {"x": x}
