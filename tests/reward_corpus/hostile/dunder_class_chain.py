# expect: line 3: names that start with `_` are not allowed (`.__subclasses__`)
def reward(s, a, prev_a):
    classes = ().__class__.__bases__[0].__subclasses__()
    return 1.0, {"x": 1.0}
