# expect: line 3: `judge` cannot call itself (no recursion)
def judge(t):
    x = judge(t)
    return {"x": at_least(1.0, 0.0)}
