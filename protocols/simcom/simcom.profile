[Profile]
Name=simcom
Family=simcom
