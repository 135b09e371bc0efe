# expect: line 3: at_least() takes exactly 2 positional arguments
def judge(t):
    return {"x": at_least(1.0, target=0.0)}
