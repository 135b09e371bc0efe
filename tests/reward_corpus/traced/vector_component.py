# expect: line 4: component 'pose' has shape (12,); it must be a scalar
def reward(s, a, prev_a):
    error = jnp.square(s.joint_pos - s.default_joint_pos)
    return jnp.sum(error), {"pose": error}
