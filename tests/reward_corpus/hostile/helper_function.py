# expect: line 6: write exactly one function, `reward`
def reward(s, a, prev_a):
    return helper(), {"x": 1.0}


def helper():
    return 1.0
