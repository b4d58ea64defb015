"""Evaluation (绩效评估) and statistics (统计分析) of the recorded history (issue 13)."""
