"""Customer analytics: the warehouse extract, scores (RFM, value pyramid, lifetime value, churn) and
their history. The algorithms (clv, rfm, churn) are plain modules with no Django import."""
