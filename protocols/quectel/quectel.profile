[Profile]
Name=quectel
Family=quectel
