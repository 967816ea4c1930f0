"""`newscard studio`: a local web page where editors and designers see the cards and page as they write."""
