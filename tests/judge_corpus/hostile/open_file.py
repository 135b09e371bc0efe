# expect: line 3: calls open(), which is not allowed
def judge(t):
    f = open("/tmp/tabrl_judge_escape.txt", "w")
    return {"x": at_least(1.0, 0.0)}
