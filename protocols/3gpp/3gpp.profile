[Profile]
Name=3gpp
Family=3gpp
