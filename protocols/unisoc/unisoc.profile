[Profile]
Name=unisoc
Family=unisoc
