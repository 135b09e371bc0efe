# expect: line 5: component name 'episode_return' is reserved
def reward(s, a, prev_a):
    upright = s.upright
    return upright, {"upright": upright,
                     "episode_return": upright * 250.0}
