# expect: line 3: decorators are not allowed
@jax.jit
def reward(s, a, prev_a):
    return 1.0, {"x": 1.0}
