# expect: judging took longer than
def judge(t):
    n = 9
    big = n ** n ** n
    return {"x": at_least(1.0, 0.0)}
