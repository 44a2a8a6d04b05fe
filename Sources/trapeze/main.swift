print("trapeze")
