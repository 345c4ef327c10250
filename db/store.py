"""Store: the only place that speaks SQL. (Interface stub; being implemented.)"""
