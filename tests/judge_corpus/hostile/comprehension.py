# expect: line 3: comprehensions are not allowed
def judge(t):
    xs = [x for x in range(3)]
    return {"x": at_least(1.0, 0.0)}
