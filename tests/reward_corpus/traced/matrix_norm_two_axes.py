# expect: line 4: jnp.norm computes a matrix norm here (ord=1 over a 2-D array, axis=(0, 1)), which needs a matrix decomposition; matrix norms are not allowed
def reward(s, a, prev_a):
    m = jnp.array([s.joint_pos, a])
    x = jnp.norm(m, ord=1, axis=(0, 1))
    return x, {"x": x}
