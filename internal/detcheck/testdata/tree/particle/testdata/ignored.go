package ignored

func spawn() { go func() {}() }
