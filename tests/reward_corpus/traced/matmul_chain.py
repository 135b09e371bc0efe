# expect: floating-point operations per state (estimated from the traced program); the limit is 20,000
def reward(s, a, prev_a):
    m = jnp.array([s.joint_pos, s.joint_vel, a, prev_a, s.joint_torque, s.default_joint_pos,
                   s.joint_pos, s.joint_vel, a, prev_a, s.joint_torque, s.default_joint_pos])
    p = m
    for i in range(16):
        p = p @ m
    x = jnp.tanh(jnp.sum(p))
    return x, {"x": x}
