# expect: line 5: on realistic states (rollouts with random, saturated and policy actions, falls, feet in the air) the total is infinite on
def reward(s, a, prev_a):
    speed = jnp.exp(50.0 * jnp.abs(s.joint_vel[0]))
    alive = 1.0
    return alive - 1e-30 * speed, {"alive": alive, "speed": speed}
