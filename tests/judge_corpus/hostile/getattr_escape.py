# expect: line 3: calls getattr(), which is not allowed
def judge(t):
    cls = getattr(t, "_" + "_class__")
    return {"x": at_least(1.0, 0.0)}
