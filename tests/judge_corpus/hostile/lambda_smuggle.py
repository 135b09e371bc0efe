# expect: line 3: lambda is not allowed
def judge(t):
    f = lambda x: x
    return {"x": at_least(1.0, 0.0)}
