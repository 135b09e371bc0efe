# expect: line 4: jnp.norm computes a matrix norm here (ord=2 over a 2-D array), which needs a matrix decomposition; matrix norms are not allowed
def reward(s, a, prev_a):
    m = jnp.array([s.joint_pos, s.joint_vel, a, prev_a])
    x = jnp.norm(m, ord=2)
    return -x, {"spectral": x}
