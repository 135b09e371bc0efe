# expect: line 3: `at_least(...)` can only be a value of the returned dict
def judge(t):
    c = at_least(1.0, 0.0)
    return {"x": c}
