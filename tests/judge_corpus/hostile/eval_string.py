# expect: line 3: calls eval(), which is not allowed
def judge(t):
    x = eval("1 + 1")
    return {"x": at_least(x, 0.0)}
