"""事后监察 records: complaints, reconsideration/litigation/compensation, 好差评 ratings."""
