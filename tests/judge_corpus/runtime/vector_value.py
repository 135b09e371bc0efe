# expect: the value of check 'height' has shape (150,); it must be a scalar
def judge(t):
    return {"height": at_least(t.base_height, 0.2)}
