# expect: line 3: `t` has no field `joint_torque`
def judge(t):
    x = jnp.mean(t.joint_torque)
    return {"x": at_least(x, 0.0)}
