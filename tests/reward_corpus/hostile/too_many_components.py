# expect: line 3: 13 components; the limit is 12
def reward(s, a, prev_a):
    return 1.0, {"c1": 1.0, "c2": 1.0, "c3": 1.0, "c4": 1.0, "c5": 1.0, "c6": 1.0, "c7": 1.0,
                 "c8": 1.0, "c9": 1.0, "c10": 1.0, "c11": 1.0, "c12": 1.0, "c13": 1.0}
