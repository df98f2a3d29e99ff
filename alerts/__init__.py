"""Alerts and subscriptions (预警与订阅): rules over the indicator catalogue, the findings they
fire, their delivery to 企业微信, 钉钉 and e-mail, and briefings sent on a schedule.

alerts sits above analytics (it reads the warehouse only through analytics) and beside ui:
the pages show its rules and firings, the command line `python -m alerts` runs what is due.
"""
