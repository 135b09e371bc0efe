# expect: line 3: ConcretizationTypeError while tracing
def reward(s, a, prev_a):
    moving = jnp.where(s.joint_vel > 0.1)
    return 1.0, {"x": 1.0}
