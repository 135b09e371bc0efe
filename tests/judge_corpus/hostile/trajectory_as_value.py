# expect: line 3: `t` can only be read as `t.<field>`
def judge(t):
    u = t
    return {"x": at_least(1.0, 0.0)}
