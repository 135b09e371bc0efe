# expect: 1024 MB
def judge(t):
    x = jnp.array([t.joint_pos] * 100000)
    return {"x": at_least(jnp.sum(x), 0.0)}
