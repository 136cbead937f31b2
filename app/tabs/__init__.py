"""The main window's tabs: Door, Box office, Ticket definitions, Orders & tickets."""
