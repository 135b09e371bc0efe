# expect: line 3: names that start with `_` are not allowed (`.__class__`)
def judge(t):
    cls = t.__class__
    return {"x": at_least(1.0, 0.0)}
