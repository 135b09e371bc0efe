# expect: line 3: IndexError while tracing
def reward(s, a, prev_a):
    x = s.foot_contact[7]
    return x, {"x": x}
