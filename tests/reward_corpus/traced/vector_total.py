# expect: line 4: the total has shape (12,); it must be a scalar
def reward(s, a, prev_a):
    error = jnp.square(s.joint_pos - s.default_joint_pos)
    return error, {"pose": jnp.sum(error)}
