package fixture

import . "time" // want dot-import

func hidden() Time { return Now() }
