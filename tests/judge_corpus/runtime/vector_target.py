# expect: a target of check 'x' has shape (3,); it must be a scalar
def judge(t):
    return {"x": at_most(1.0, t.base_pos[0])}
