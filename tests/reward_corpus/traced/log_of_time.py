# expect: line 4: on plausible states the total is infinite, component 'age' is infinite
def reward(s, a, prev_a):
    age = jnp.log(s.time)
    return age, {"age": age}
