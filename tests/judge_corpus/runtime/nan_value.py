# expect: the value of check 'ratio' is nan on a trajectory
def judge(t):
    return {"ratio": at_least(jnp.mean(t.base_height * 0.0) / 0.0, 0.2)}
