# expect: line 3: IndexError while judging
def judge(t):
    x = t.base_pos[-1, 7]
    return {"x": at_least(x, 0.2)}
