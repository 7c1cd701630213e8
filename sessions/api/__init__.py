"""The REST API's endpoints beyond sessions/api_views.py: preparing a sitting (editing a
draft, attaching documents, convening), running it (the secretary, a closed session, the
adjournment for lack of quorum), proxies, and the minutes and publication workflow
(R28-R31). Thin views over the same services and access rules as the pages."""
