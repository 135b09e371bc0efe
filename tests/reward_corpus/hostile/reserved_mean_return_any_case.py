# expect: line 4: component name 'Mean_Return' is reserved
def reward(s, a, prev_a):
    upright = s.upright
    return upright, {"Mean_Return": upright}
