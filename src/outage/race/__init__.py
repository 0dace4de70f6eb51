"""The DynamoDB DNS Planner/Enactor race: a checkable model, its fixes, and a timed
Monte Carlo simulation of the same mechanism."""
