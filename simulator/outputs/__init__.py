"""What a run leaves for people and programs: each replication's record, the results folder
(its one owner: `folder.py`), the result metrics (`metrics.py`), the result files, figures, the
workbook and the report in English or Danish.
"""
