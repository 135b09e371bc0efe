# expect: line 4: while loops are not allowed
def judge(t):
    x = 0.0
    while True:
        x = x + 1.0
    return {"x": at_least(x, 0.0)}
