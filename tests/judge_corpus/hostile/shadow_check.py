# expect: line 3: `at_most` cannot be assigned; pick another name
def judge(t):
    at_most = 1.0
    return {"x": at_least(at_most, 0.0)}
