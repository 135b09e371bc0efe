# expect: line 3: between() takes exactly 3 positional arguments
def judge(t):
    return {"x": between(jnp.mean(t.base_height), 0.2)}
