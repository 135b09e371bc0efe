"""The Streamlit app's shared pieces: page chrome and widgets (ui), the synchronized video grid."""
