# expect: line 3: calls getattr(), which is not allowed; allowed functions: jnp.abs
def reward(s, a, prev_a):
    cls = getattr(a, "_" + "_class__")
    return 1.0, {"x": 1.0}
